"""Reporting's pure domain: indicator definitions, periods, geographies and suppression."""
