"""Portal views, split by who uses them: sign-in, members' own pages, branch officers' pages."""

from grassroots.portal.views.auth import login_view, logout_view, password_change
from grassroots.portal.views.home import home

__all__ = ["home", "login_view", "logout_view", "password_change"]
