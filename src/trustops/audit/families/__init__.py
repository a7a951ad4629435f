"""One module per rule family; each exposes ``FAMILY`` (:class:`trustops.audit.scanner.Family`)."""
