"""The form backend's Lambda code: ingest (HTTP API -> SQS) and worker (SQS -> DynamoDB -> list).

Packaged as the top-level package `forms` (handlers `forms.lambda_ingest.handler` and
`forms.lambda_worker.handler`); imported in tests as `functions.forms`, hence relative imports only.
Powertools and boto3 come from the runtime (boto3) and the official Powertools layer, not the zip.
"""
