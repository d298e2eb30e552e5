"""SLA clocks of open complaints: how much time is left before each deadline."""
