CREATE TABLE `run_patches` (
	`run_id` text NOT NULL,
	`id` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`source` text NOT NULL,
	`ops` text NOT NULL,
	`reason` text,
	`status` text NOT NULL,
	`problems` text,
	`proposed_at` integer NOT NULL,
	`decided_at` integer,
	PRIMARY KEY(`run_id`, `id`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `node_executions` ADD `usage` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `cost_usd` real;