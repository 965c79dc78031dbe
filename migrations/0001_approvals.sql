CREATE TABLE `approvals` (
	`run_id` text NOT NULL,
	`node_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`tenant_id` text NOT NULL,
	`workflow_id` text NOT NULL,
	`status` text NOT NULL,
	`message` text NOT NULL,
	`form` text,
	`required` integer NOT NULL,
	`votes` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer,
	`decided_at` integer,
	PRIMARY KEY(`run_id`, `node_id`, `attempt`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `approvals_tenant_status` ON `approvals` (`tenant_id`,`status`,`created_at`);