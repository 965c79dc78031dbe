CREATE TABLE `blob_deletions` (
	`key` text PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`at` integer NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `blob_deletions_run` ON `blob_deletions` (`run_id`);--> statement-breakpoint
CREATE TABLE `retention_policies` (
	`tenant_id` text NOT NULL,
	`workflow_id` text NOT NULL,
	`days` integer,
	`failed_days` integer,
	`keep_last` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `workflow_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `sweeps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`runs_deleted` integer DEFAULT 0 NOT NULL,
	`rows_deleted` integer DEFAULT 0 NOT NULL,
	`blobs_deleted` integer DEFAULT 0 NOT NULL,
	`bytes_freed` integer DEFAULT 0 NOT NULL,
	`more` integer DEFAULT 0 NOT NULL,
	`error` text
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_blobs` (
	`tenant_id` text NOT NULL,
	`hash` text NOT NULL,
	`key` text NOT NULL,
	`bytes` integer NOT NULL,
	`content_type` text NOT NULL,
	`run_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `hash`, `run_id`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_blobs`("tenant_id", "hash", "key", "bytes", "content_type", "run_id", "created_at") SELECT "tenant_id", "hash", "key", "bytes", "content_type", "run_id", "created_at" FROM `blobs`;--> statement-breakpoint
DROP TABLE `blobs`;--> statement-breakpoint
ALTER TABLE `__new_blobs` RENAME TO `blobs`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `blobs_run` ON `blobs` (`run_id`);--> statement-breakpoint
CREATE INDEX `blobs_key` ON `blobs` (`key`);--> statement-breakpoint
ALTER TABLE `runs` ADD `held` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `deleting_at` integer;--> statement-breakpoint
CREATE INDEX `runs_tenant_status` ON `runs` (`tenant_id`,`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `runs_tenant_finished` ON `runs` (`tenant_id`,`finished_at`);--> statement-breakpoint
CREATE INDEX `runs_workflow_finished` ON `runs` (`workflow_id`,`finished_at`);--> statement-breakpoint
CREATE INDEX `runs_deleting` ON `runs` (`deleting_at`);--> statement-breakpoint
CREATE INDEX `trigger_deliveries_run` ON `trigger_deliveries` (`run_id`);--> statement-breakpoint
CREATE INDEX `trigger_deliveries_created` ON `trigger_deliveries` (`created_at`);--> statement-breakpoint
CREATE INDEX `workflows_tenant_name` ON `workflows` (`tenant_id`,`name`);--> statement-breakpoint
-- Outputs of runs projected before blobs were recorded become holds of their runs, so the blob
-- route needs no scan of node_executions and deleting such a run releases them (bytes unknown: 0).
INSERT OR IGNORE INTO `blobs` ("tenant_id", "hash", "key", "bytes", "content_type", "run_id", "created_at")
  SELECT r.`tenant_id`, ne.`output_hash`, 'cas/sha256/' || ne.`output_hash`, 0, 'application/json', ne.`run_id`, r.`created_at`
  FROM `node_executions` ne JOIN `runs` r ON r.`id` = ne.`run_id` WHERE ne.`output_hash` IS NOT NULL;
