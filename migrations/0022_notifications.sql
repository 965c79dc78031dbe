CREATE TABLE `decision_links` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`run_id` text NOT NULL,
	`user_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer
);
--> statement-breakpoint
CREATE INDEX `decision_links_run` ON `decision_links` (`run_id`);--> statement-breakpoint
CREATE INDEX `decision_links_expiry` ON `decision_links` (`expires_at`);--> statement-breakpoint
CREATE TABLE `notification_channels` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`url` text NOT NULL,
	`host` text NOT NULL,
	`events` text NOT NULL,
	`origin` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
