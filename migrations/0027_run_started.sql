ALTER TABLE `runs` ADD `started_at` integer;--> statement-breakpoint
CREATE INDEX `runs_tenant_gated_started` ON `runs` (`tenant_id`,`started_at`) WHERE "runs"."gate" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_workflow_gated_started` ON `runs` (`workflow_id`,`started_at`) WHERE "runs"."gate" IS NOT NULL;--> statement-breakpoint
-- A run without a gate began when it was created; a gated one's start was not recorded before.
UPDATE `runs` SET `started_at` = `created_at` WHERE `gate` IS NULL AND `status` <> 'queued';
