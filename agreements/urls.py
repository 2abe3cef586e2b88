"""Portal pages of the consent workflow, under /agreements/."""

from django.urls import path

from .views import aggregation_consent, customer, invitation_links, pages, third_party

app_name = "agreements"

urlpatterns = [
    path("", pages.agreement_list, name="list"),
    path("export.csv", third_party.agreement_export, name="export"),
    path("invitations/", third_party.invitation_list, name="invitation-list"),
    path("invitations/new/", third_party.invitation_create, name="invitation-create"),
    path("invitations/export.csv", third_party.invitation_export, name="invitation-export"),
    path("invitations/<str:number>/", third_party.invitation_detail, name="invitation-detail"),
    path("invitations/<str:number>/resend/", third_party.invitation_resend, name="invitation-resend"),
    path("invitations/<str:number>/cancel/", third_party.invitation_cancel, name="invitation-cancel"),
    path("invitations/<str:number>/open/", invitation_links.open_invitation, name="invitation-open"),
    # The e-mail's links: the token is the key, no login needed to open them.
    path("invite/<str:token>/", invitation_links.invitation_respond, name="invitation-respond"),
    path("invite/<str:token>/reject/", invitation_links.invitation_reject, name="invitation-reject"),
    path("accepted/<str:number>/", invitation_links.invitation_accepted, name="accepted"),
    path("aggregation-consent/<str:token>/", aggregation_consent.aggregation_consent, name="aggregation-consent"),
    path("extension-requests/<int:pk>/", customer.extension_respond, name="extension-respond"),
    path("extension-requests/<int:pk>/resend/", third_party.extension_resend, name="extension-resend"),
    path("<str:number>/", pages.agreement_detail, name="detail"),
    path("<str:number>/terminate/", pages.agreement_terminate, name="terminate"),
    path("<str:number>/extend/", customer.agreement_extend, name="extend"),
    path("<str:number>/request-extension/", third_party.request_extension, name="request-extension"),
]
