"""Platform writes, one module per platform; every function is keyword-only and atomic."""
