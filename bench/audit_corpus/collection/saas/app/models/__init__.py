from app.models.audit_log import audit_log, feature_flags
from app.models.billing import BillingProfile, Invoice
from app.models.user import SupportTicket, User, Workspace

__all__ = ["BillingProfile", "Invoice", "SupportTicket", "User", "Workspace", "audit_log", "feature_flags"]
