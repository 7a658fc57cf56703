"""Residents' matters (民情事项) handled in a closed loop: intake, routing, the transition table,
working-day deadlines, escalation, notifications and measures.

"小事不出网，大事不出村"; "事事有着落、件件有回音" (DOMAIN §4).
"""
