"""Case writes, one module per stage. Each service is one transaction with its audit rows."""
