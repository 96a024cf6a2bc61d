"""Example: another team's program reading the marketing plane through StackReference.

It admits its reporting job to nothing by itself: it only reads the reader hostname and the alarm
topic to wire its own resources. Run under the offline plan in tests/test_outputs.py.
"""

from __future__ import annotations

import pulumi

from contracts.consumer import MarketingPlane

plane = MarketingPlane.from_stack(pulumi.Config().require("marketingStack"))

pulumi.export("reporting_db_host", plane.reader_hostname)
pulumi.export("reporting_db_port", plane.reader_port)
pulumi.export("page_to", plane.alarm_topic_arn)
