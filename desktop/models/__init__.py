"""Data layer: peewee models bound to one ``DatabaseProxy`` (no Qt here)."""

from .accounts import UserAccount
from .base import BaseModel, db, now
from .customer import Customer, ServiceOrder
from .evaluation import ForemanReview
from .followup import CustomerNotice, PeriodGoal, SalesLead
from .improvement import ACTION_STATUSES, ActionLog, ActionTask, ActionVisit, ImprovementAction, StandardEntry
from .kpi import KpiIndicator, KpiReviewerScore, KpiScorecard
from .org import Department, Staff
from .paper import AttachmentBlob, AttachmentBlobPart, AuditLog, VisitAttachment, VisitSignature
from .questionnaire import KINDS, Question, QuestionnaireTemplate
from .settings import Setting
from .sms import SmsBatch, SmsMessage, SmsReply
from .survey import SurveyLink
from .visit import (
    METHODS,
    MOODS,
    OUTCOMES,
    SIGN_STATUSES,
    TASK_STATUSES,
    Answer,
    CallAttempt,
    FormAutosave,
    ProblemCategory,
    Visit,
    VisitProblem,
    VisitTask,
)

ALL_MODELS = [
    Department,
    Staff,
    Customer,
    ServiceOrder,
    QuestionnaireTemplate,
    Question,
    VisitTask,
    Visit,
    Answer,
    CallAttempt,
    ProblemCategory,
    VisitProblem,
    ImprovementAction,
    ActionVisit,
    ActionTask,
    ActionLog,
    KpiScorecard,
    KpiIndicator,
    KpiReviewerScore,
    Setting,
    VisitSignature,
    VisitAttachment,
    AuditLog,
    UserAccount,
    AttachmentBlob,
    AttachmentBlobPart,
    FormAutosave,
    StandardEntry,
    CustomerNotice,
    SalesLead,
    PeriodGoal,
    ForemanReview,
    SurveyLink,
    SmsBatch,
    SmsMessage,
    SmsReply,
]

__all__ = [
    "ACTION_STATUSES",
    "ALL_MODELS",
    "KINDS",
    "METHODS",
    "MOODS",
    "OUTCOMES",
    "SIGN_STATUSES",
    "TASK_STATUSES",
    "UserAccount",
    "ActionLog",
    "ActionTask",
    "ActionVisit",
    "Answer",
    "AttachmentBlob",
    "AttachmentBlobPart",
    "AuditLog",
    "BaseModel",
    "CallAttempt",
    "Customer",
    "CustomerNotice",
    "Department",
    "ForemanReview",
    "FormAutosave",
    "ImprovementAction",
    "KpiIndicator",
    "KpiReviewerScore",
    "KpiScorecard",
    "PeriodGoal",
    "ProblemCategory",
    "Question",
    "QuestionnaireTemplate",
    "SalesLead",
    "ServiceOrder",
    "Setting",
    "SmsBatch",
    "SmsMessage",
    "SmsReply",
    "StandardEntry",
    "SurveyLink",
    "Staff",
    "Visit",
    "VisitAttachment",
    "VisitProblem",
    "VisitSignature",
    "VisitTask",
    "db",
    "now",
]
