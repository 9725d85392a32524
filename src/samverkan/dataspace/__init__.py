"""The sensor data space: tenants, the OGC SensorThings API 1.1 model, ingest, sharing, open data."""
