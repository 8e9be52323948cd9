"""The console's base admin: every queryset, choice list and object lookup goes through scope.

Objects outside the user's scope answer 404 (Django's default is a redirect with a message,
which would reveal that the object exists).
"""

from __future__ import annotations

from django.http import Http404
from unfold.admin import ModelAdmin

from grassroots.core.scope import ScopedQuerySet


class ScopedModelAdmin(ModelAdmin):
    list_per_page = 50
    show_full_result_count = False
    # Unfold's templates read these for every row and field. Left undefined, each lookup fails,
    # and on failure Django's template engine calls dir() on the admin (~65 µs each, ~100 times
    # per member list page: docs/decisions/0044-console-page-cost.md). Empty means the same as
    # absent to Unfold: no row sections, no conditional fields.
    list_sections: list = []
    conditional_fields: dict = {}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if isinstance(qs, ScopedQuerySet):
            return qs.visible_to(request.user)
        return qs

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and isinstance(getattr(field, "queryset", None), ScopedQuerySet):
            field.queryset = field.queryset.visible_to(request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and isinstance(getattr(field, "queryset", None), ScopedQuerySet):
            field.queryset = field.queryset.visible_to(request.user)
        return field


def permission_check(perm: str):
    """An Unfold action permission method backed by a Django permission.

    Unfold's system check looks dotted permissions up in the database, which fails before the
    first migrate; a ``has_<name>_permission`` method avoids that and says the same thing.
    """

    def check(self, request, object_id=None) -> bool:
        return request.user.has_perm(perm)

    return check
