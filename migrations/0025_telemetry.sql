CREATE TABLE `telemetry_otlp` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`endpoint` text NOT NULL,
	`host` text NOT NULL,
	`headers` text NOT NULL,
	`header_names` text NOT NULL,
	`enabled` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
