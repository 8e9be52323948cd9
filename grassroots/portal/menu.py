"""The portal's own menu entries (other apps add theirs in their portal.py)."""


from grassroots.core.portal import PortalEntry

MENU: list[PortalEntry] = []
