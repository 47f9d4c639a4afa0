DROP TABLE sla_alerts;
