from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str = "postgresql+psycopg://localhost/saas"
    smtp_host: str = "localhost"
    smtp_from_email: str = "no-reply@saas.example"
    admin_ip_allowlist: list[str] = ["10.0.0.0/8"]
    session_cookie_name: str = "sid"
