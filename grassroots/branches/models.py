"""Five-izations records: funding, venue, activities, training, attendance, visits."""
