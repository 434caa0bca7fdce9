"""PMS records: the requirements catalogue, training, internal audits and management reviews."""

from mamori.pms.models.audits import AuditItem, AuditPlan, AuditPlanStatus, AuditResult
from mamori.pms.models.controls import Control, ControlEvidence, ControlStatus, Mapping2017
from mamori.pms.models.reviews import ManagementReview, ReviewStatus
from mamori.pms.models.training import Course, TrainingRecord

__all__ = [
    "AuditItem",
    "AuditPlan",
    "AuditPlanStatus",
    "AuditResult",
    "Control",
    "ControlEvidence",
    "ControlStatus",
    "Course",
    "ManagementReview",
    "Mapping2017",
    "ReviewStatus",
    "TrainingRecord",
]
