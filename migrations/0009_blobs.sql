CREATE TABLE `blobs` (
	`tenant_id` text NOT NULL,
	`hash` text NOT NULL,
	`key` text NOT NULL,
	`bytes` integer NOT NULL,
	`content_type` text NOT NULL,
	`run_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `hash`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `blobs_run` ON `blobs` (`run_id`);