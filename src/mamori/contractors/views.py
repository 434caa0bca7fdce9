from mamori.contractors import services
from mamori.contractors.forms import ContractorForm
from mamori.contractors.models import Contractor
from mamori.core.crud import RecordViews

contractor_views = RecordViews(
    resource=services.RESOURCE,
    queryset=Contractor.objects.all,
    form_class=ContractorForm,
    create=services.create_contractor,
    update=services.update_contractor,
    delete=services.delete_contractor,
    template_prefix="contractors/contractor",
    url_prefix="contractors:",
)
