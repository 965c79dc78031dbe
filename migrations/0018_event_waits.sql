CREATE TABLE `event_waits` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`key` text,
	`run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`expires_at` integer,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `node_id`)
);
--> statement-breakpoint
CREATE INDEX `event_waits_name` ON `event_waits` (`tenant_id`,`name`,`key`);--> statement-breakpoint
CREATE INDEX `event_waits_expires` ON `event_waits` (`expires_at`);