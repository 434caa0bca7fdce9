"""The personal-information protection management system (PMS, 個人情報保護マネジメントシステム): the JIS Q 15001
requirements catalogue, their owners, status and evidence, and the Privacy Mark readiness report."""
