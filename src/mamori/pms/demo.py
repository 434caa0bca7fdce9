"""The demo company's PMS in its first year after the breach: policy and register in place, risk assessment and
training under way, internal audit not started — and the security measures marked implemented while the latest scan
still finds card data, which the readiness report shows as a disagreement."""

from __future__ import annotations

from mamori.accounts.models import User
from mamori.accounts.policy import SYSTEM
from mamori.pms import services
from mamori.pms.models import Control, ControlStatus

# key: (owner's username, status, note)
STATE = {
    "policy": ("president", ControlStatus.IMPLEMENTED, "2019年4月制定、ウェブサイトで公表。"),
    "scope": ("manager", ControlStatus.IMPLEMENTED, "本社・通販事業部・委託先サーバ運用。"),
    "identification": ("manager", ControlStatus.IMPLEMENTED, "個人情報管理台帳を Mamori で管理。"),
    "risk-assessment": ("manager", ControlStatus.IN_PROGRESS, "通販の台帳項目から順に評価中。"),
    "awareness": ("manager", ControlStatus.IN_PROGRESS, "全従業者向け教育を計画中。"),
    "internal-audit": ("auditor", ControlStatus.NOT_STARTED, ""),
    "security-measures": ("manager", ControlStatus.IMPLEMENTED, "カード情報は保持しない方針(非保持化)。"),
    "contractor-supervision": ("manager", ControlStatus.IN_PROGRESS, "委託契約に事故時の条項を追加中。"),
    "emergency": ("manager", ControlStatus.IMPLEMENTED, "事故対応手順書を Mamori に登録。"),
}


def load_demo_pms() -> None:
    """Record the demo state on requirements nobody has touched yet (a user's changes are left alone)."""
    users = {u.username: u for u in User.objects.filter(username__in={s[0] for s in STATE.values()})}
    for control in Control.objects.filter(key__in=STATE, updated_at__isnull=True):
        username, status, note = STATE[control.key]
        services.update_control(SYSTEM, control, {"owner": users.get(username), "status": status, "note": note})
