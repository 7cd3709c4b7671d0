"""Bank connectors, one per standard, behind `base.BankConnector`; the registry picks one per
bank by its standard."""
