# Direct access becomes an agreement with no customer (source DIRECT): the approval is the
# agreement's one-to-one detail, its audit trail the agreement's events, its reads the reports'
# data-access log. Written by hand: the direct-access tables (0005, 0006) are empty everywhere, so
# they are dropped and made anew rather than reshaped column by column. Reversible both ways.

import agreements.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0007_hot_expiry_sweep'),
        ('meters', '0004_billing_accounts_contracts_programs'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        migrations.swappable_dependency(settings.OAUTH2_PROVIDER_APPLICATION_MODEL),
    ]

    operations = [
        migrations.DeleteModel(name='DirectAccessEvent'),
        migrations.DeleteModel(name='DirectAccessRead'),
        migrations.DeleteModel(name='AggregationSubGrant'),
        migrations.DeleteModel(name='DirectAccessApproval'),
        migrations.AlterField(
            model_name='agreement',
            name='customer',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='agreements', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='agreement',
            name='source',
            field=models.CharField(choices=[('invitation', 'Invitation'), ('oauth', 'OAuth grant'), ('direct', 'Direct access (staff-approved)')], default='invitation', max_length=12),
        ),
        migrations.AddConstraint(
            model_name='agreement',
            constraint=models.CheckConstraint(condition=models.Q(('customer__isnull', False), ('source', 'direct'), _connector='OR'), name='agreement_customer_unless_direct'),
        ),
        migrations.AlterField(
            model_name='agreementevent',
            name='action',
            field=models.CharField(choices=[('invitation_created', 'Invitation sent'), ('invitation_resent', 'Invitation resent'), ('invitation_cancelled', 'Invitation cancelled'), ('invitation_accepted', 'Invitation accepted'), ('invitation_rejected', 'Invitation rejected'), ('invitation_expired', 'Invitation expired'), ('agreement_created', 'Agreement started'), ('agreement_extended', 'Agreement extended'), ('agreement_terminated', 'Agreement terminated'), ('agreement_expired', 'Agreement expired'), ('agreement_completed', 'One-time data delivered'), ('agreement_changed', 'Agreement changed'), ('extension_requested', 'Extension requested'), ('extension_resent', 'Extension request resent'), ('extension_accepted', 'Extension accepted'), ('extension_rejected', 'Extension rejected'), ('extension_expired', 'Extension request expired'), ('device_add_requested', 'Device add requested'), ('direct_access_approved', 'Direct access approved by staff'), ('direct_access_changed', 'Direct access changed by staff'), ('sub_grants_requested', 'Customers asked for aggregation consent'), ('sub_grant_consented', 'A customer consented to aggregation'), ('sub_grant_declined', 'A customer declined aggregation')], max_length=30),
        ),
        migrations.CreateModel(
            name='DirectAccessApproval',
            fields=[
                ('agreement', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='direct_access', serialize=False, to='agreements.agreement')),
                ('scope', models.CharField(help_text='Space-separated cds_query_* scopes approved.', max_length=1000)),
                ('coverage', models.CharField(choices=[('all', 'All premises'), ('premises', 'Premises chosen by staff'), ('postal_codes', 'Premises in the postal codes')], max_length=12)),
                ('postal_codes', models.JSONField(blank=True, default=list, help_text='For postal-code coverage: ["78701", ...].')),
                ('aggregation_numbers', models.JSONField(blank=True, default=list, help_text='Aggregations whose summed usage may be read (cds_query_usage, cds_query_aggregations); empty: none.')),
                ('includes', models.JSONField(blank=True, default=list, help_text='Optional fields answers carry: include_* ids, e.g. ["include_meter_numbers"].')),
                ('purpose', models.TextField(help_text='Why: the study, service or regulatory duty the access is for.')),
                ('approved_at', models.DateTimeField()),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('approved_by', models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('client', models.ForeignKey(help_text="The third party's direct-access client (client credentials).", on_delete=django.db.models.deletion.PROTECT, related_name='direct_access_approvals', to=settings.OAUTH2_PROVIDER_APPLICATION_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='AggregationSubGrant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('aggregation_number', models.CharField(max_length=64)),
                ('status', models.CharField(choices=[('needs_authorization', 'Waiting for the customer'), ('active', 'Consented'), ('declined', 'Declined')], default='needs_authorization', max_length=20)),
                ('token', models.CharField(default=agreements.models.new_token, editable=False, max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('approval', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sub_grants', to='agreements.directaccessapproval')),
                ('customer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='aggregation_sub_grants', to=settings.AUTH_USER_MODEL)),
                ('premises', models.ManyToManyField(related_name='aggregation_sub_grants', to='meters.premise')),
            ],
            options={
                'indexes': [models.Index(fields=['customer', 'status'], name='sub_grant_customer')],
                'constraints': [models.UniqueConstraint(fields=('approval', 'aggregation_number', 'customer'), name='one_sub_grant_per_customer')],
            },
        ),
    ]
