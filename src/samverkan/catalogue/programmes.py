"""Framework programme codes used by CORDIS → the names the Funding & Tenders portal uses."""

PROGRAMME_NAMES = {"H2020": "Horizon 2020", "HORIZON": "Horizon Europe", "FP7": "FP7"}
