"""Example: another team's program reading the marketing plane through StackReference.

It admits its reporting job to nothing by itself: it only reads what the contract publishes to
wire its own resources (contracts/consumer.py, one typed field per output). Planned offline with
one command, its StackReference answered by the producing stack's own offline plan:

    make plan-consumer   # python -m tools.plan --stack staging --program-dir examples/consumer
"""

from __future__ import annotations

import pulumi

from contracts.consumer import MarketingPlane

plane = MarketingPlane.from_stack(pulumi.Config().require("marketingStack"))

pulumi.export("reporting_db_host", plane.reader_hostname)
pulumi.export("reporting_db_port", plane.reader_port)
pulumi.export("page_to", plane.alarm_topic_arn)
# Optional outputs are None on a stack without the component (a stack with no forms, no site).
pulumi.export("signup_endpoint", plane.form_endpoint)
pulumi.export("static_routes", plane.site_routes)
