"""Pure domain rules: campaign schedules across DST, the origin's nginx/cloud-init and
Cache-Control, the Cloudflare rule generator and its evaluator.

No Pulumi, no I/O, no imports of the other layers: everything here is a function of its arguments,
so settings, the forecast, components and tools can all call it.
"""
