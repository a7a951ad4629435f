from sqlalchemy import Column, ForeignKey, Integer, Numeric, String

from app.db import Base


class BillingProfile(Base):
    __tablename__ = "billing_profiles"

    id = Column(Integer, primary_key=True)
    workspace_id = Column(Integer, ForeignKey("workspaces.id"), unique=True)
    company_name = Column(String(200))
    vat_number = Column(String(20))
    billing_email = Column(String(320))
    billing_address = Column(String(500))
    country = Column(String(2))
    stripe_customer_id = Column(String(64))
    card_last4 = Column(String(4))
    card_brand = Column(String(20))


class Invoice(Base):
    __tablename__ = "invoices"

    id = Column(Integer, primary_key=True)
    workspace_id = Column(Integer, ForeignKey("workspaces.id"))
    number = Column(String(20), unique=True)
    total = Column(Numeric(10, 2))
    currency = Column(String(3))
    pdf_key = Column(String(200))
