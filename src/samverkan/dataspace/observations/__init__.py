"""Observations: the one door an Observation body comes in by (:mod:`.rows`), writing batches
(:mod:`.store`), hourly roll-ups and the aggregates read from them (:mod:`.rollups`), exports
(:mod:`.export`), and the SQL they send (:mod:`.statements`).

Every way in — one Observation, a ``CreateObservations`` batch, an MQTT message — reads its
bodies with :func:`.rows.observation_row` and ends in :func:`.store.write`: one transaction
inserts the rows (a retried observation, same datastream and phenomenonTime, is recognised and
skipped), checks once per batch that their datastreams and features exist, adds them to the
hourly roll-ups (or recounts the hours they touched when some were retries) and notes the
features of interest. The caller commits, then acknowledges: what was acknowledged is committed.
"""
