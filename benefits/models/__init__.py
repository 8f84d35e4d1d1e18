"""Benefits: enrollments, 一卡通 accounts, payroll, adjustments and re-checks."""

from .accounts import AccountStatus, PaymentAccount
from .adjustments import (
    AmountChange,
    BackPay,
    BackPayReason,
    Recovery,
    RecoveryStatus,
    Repayment,
)
from .enrollment import Enrollment, EnrollmentMember, EnrollmentStatus
from .payroll import BankFile, LineStatus, PayrollLine, PayrollRun, RunStatus
from .recheck import RecheckKind, RecheckOutcome, RecheckStatus, RecheckTask

__all__ = [
    "AccountStatus",
    "AmountChange",
    "BackPay",
    "BackPayReason",
    "BankFile",
    "Enrollment",
    "EnrollmentMember",
    "EnrollmentStatus",
    "LineStatus",
    "PaymentAccount",
    "PayrollLine",
    "PayrollRun",
    "RecheckKind",
    "RecheckOutcome",
    "RecheckStatus",
    "RecheckTask",
    "Recovery",
    "RecoveryStatus",
    "Repayment",
    "RunStatus",
]
