ALTER TABLE `approvals` ADD `iteration` integer;--> statement-breakpoint
ALTER TABLE `approvals` ADD `parent_run_id` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `parent_node_id` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `parent_item` integer;