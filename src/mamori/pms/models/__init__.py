"""PMS records: the requirements catalogue, training, internal audits and management reviews."""

from mamori.pms.models.audits import AuditItem, AuditPlan, AuditPlanStatus, AuditResult
from mamori.pms.models.controls import Control, ControlEvidence, ControlStatus, Mapping2017
from mamori.pms.models.documents import POLICY_KINDS, Document, DocumentKind, DocumentVersion
from mamori.pms.models.requests import (
    CLOSED_REQUEST,
    Channel,
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    RequestKind,
    RequestStatus,
    SubjectRequest,
)
from mamori.pms.models.reviews import ManagementReview, ReviewStatus
from mamori.pms.models.training import Course, TrainingRecord

__all__ = [
    "CLOSED_REQUEST",
    "POLICY_KINDS",
    "AuditItem",
    "AuditPlan",
    "AuditPlanStatus",
    "AuditResult",
    "Channel",
    "Complaint",
    "ComplaintKind",
    "ComplaintStatus",
    "Control",
    "ControlEvidence",
    "ControlStatus",
    "Course",
    "Document",
    "DocumentKind",
    "DocumentVersion",
    "ManagementReview",
    "Mapping2017",
    "RequestKind",
    "RequestStatus",
    "ReviewStatus",
    "SubjectRequest",
    "TrainingRecord",
]
