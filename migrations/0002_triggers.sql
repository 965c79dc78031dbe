CREATE TABLE `trigger_deliveries` (
	`workflow_id` text NOT NULL,
	`key` text NOT NULL,
	`run_id` text,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`workflow_id`, `key`)
);
--> statement-breakpoint
CREATE TABLE `triggers` (
	`workflow_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`webhook_token_hash` text,
	`cron` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`workflow_id`) REFERENCES `workflows`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `triggers_webhook_token_hash_unique` ON `triggers` (`webhook_token_hash`);--> statement-breakpoint
CREATE INDEX `triggers_cron` ON `triggers` (`cron`);