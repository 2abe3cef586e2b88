"""Premises (ESIIDs), meters, occupancy, in-home (HAN) devices and the head-end adapter."""
