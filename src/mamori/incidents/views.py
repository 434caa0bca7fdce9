from mamori.core.crud import RecordViews
from mamori.incidents import services
from mamori.incidents.forms import IncidentCaseForm
from mamori.incidents.models import IncidentCase

case_views = RecordViews(
    resource=services.RESOURCE,
    queryset=lambda: IncidentCase.objects.select_related("contractor"),
    form_class=IncidentCaseForm,
    create=services.create_case,
    update=services.update_case,
    delete=services.delete_case,
    template_prefix="incidents/case",
    url_prefix="incidents:",
)
