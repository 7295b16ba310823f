"""The history by the source's exports: requests, their months and files, the slots, and the
recent days' records held for the age check. Read-only; a file's link is a secret (whoever has
it has the file), so only its masked form is ever shown; a held record's content is never
shown. One action: a month that is stuck read by windows instead."""

from django.contrib import admin, messages
from django.db.models import Count, Q

from integrations.admin.common import ReadOnlyAdmin, changelist_link
from integrations.models import ExportFile, ExportSequence, ExportSlot, HeldRecord, SourceExport
from integrations.services.exports import sequence_fall_back

Sequence = ExportSequence.Status


class SequenceInline(admin.TabularInline):
    model = ExportSequence
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "month_start", "month_end", "status", "arrived_at", "fallback_reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SourceExport)
class SourceExportAdmin(ReadOnlyAdmin):
    list_display = ["id", "connection", "stream", "start_date", "end_date", "status", "months", "requested_at"]
    list_filter = ["status", "stream", "connection"]
    list_select_related = ["connection"]
    search_fields = ["=process_id"]
    readonly_fields = ["months"]
    inlines = [SequenceInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                sequences_total=Count("sequences"),
                sequences_finished=Count(
                    "sequences", filter=Q(sequences__status__in=[Sequence.DONE, Sequence.FELL_BACK])
                ),
            )
        )

    @admin.display(description="Months finished")
    def months(self, obj):
        label = f"{obj.sequences_finished} of {obj.sequences_total}"
        return changelist_link(ExportSequence, label, export__id__exact=obj.pk)


class FileInline(admin.TabularInline):
    model = ExportFile
    extra = 0
    can_delete = False
    fields = readonly_fields = ["index", "url_display", "status", "rows_done", "records_seen", "error", "finished_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description="Read the selected months by reporting windows instead", permissions=["fall_back"])
def read_by_windows(modeladmin, request, queryset):
    """For a month that is stuck (a file that keeps failing, a sequence that never came): its
    files stop and a run of its own reads it by windows, in the connection's chain."""
    moved = 0
    for sequence in queryset.select_related("export__sync_run__connection"):
        if sequence_fall_back(sequence=sequence, reason=f"Read by windows on request of {request.user}."):
            moved += 1
    left = queryset.count() - moved
    text = f"{moved} month(s) will be read by windows."
    if left:
        text += f" {left} left as they were: only months not read yet can be."
    modeladmin.message_user(request, text, messages.SUCCESS if moved else messages.WARNING)


@admin.register(ExportSequence)
class ExportSequenceAdmin(ReadOnlyAdmin):
    list_display = ["id", "export", "number", "month_start", "status", "arrived_at", "fallback_reason"]
    list_filter = ["status", "export__stream", "export__connection"]
    list_select_related = ["export__connection"]
    exclude = ["webhook_event"]
    inlines = [FileInline]
    actions = [read_by_windows]

    def has_fall_back_permission(self, request):
        return request.user.has_perm("integrations.change_exportsequence")


@admin.register(ExportFile)
class ExportFileAdmin(ReadOnlyAdmin):
    list_display = ["id", "sequence", "index", "url_display", "status", "rows_done", "records_seen", "heartbeat_at"]
    list_filter = ["status", "sequence__export__stream"]
    list_select_related = ["sequence__export__connection"]
    exclude = ["url"]  # the presigned link itself: never on a page


@admin.register(ExportSlot)
class ExportSlotAdmin(ReadOnlyAdmin):
    list_display = ["connection", "stream", "free_at"]
    list_filter = ["stream"]
    list_select_related = ["connection"]


@admin.register(HeldRecord)
class HeldRecordAdmin(ReadOnlyAdmin):
    list_display = ["id", "connection", "sync_run", "entity", "held_at"]
    list_filter = ["entity", "connection"]
    list_select_related = ["connection", "sync_run"]
    exclude = ["record", "key"]  # a person's record, maybe a minor's: never on a page
