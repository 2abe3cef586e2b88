"""The base of every CDS customer-data list: a `portal.cds.resources` list whose reach is the
token's live grants (`agreements.cds_reach`). The lists themselves live in the app owning their
data (`meters.cds_api`, `usage.cds_api`)."""

from portal.cds.resources import CustomerDataListView

from .cds_reach import Reach, reach_of


class GrantedListView(CustomerDataListView):
    def reach_for(self, request) -> Reach:
        cached = getattr(request, "_cds_reach", None)
        if cached is None:
            cached = request._cds_reach = reach_of(request.auth)
        return cached
