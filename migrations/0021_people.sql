CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`at` integer NOT NULL,
	`user_id` text,
	`user_name` text NOT NULL,
	`key_id` text,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text NOT NULL,
	`details` text NOT NULL,
	`ip` text,
	`user_agent` text,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_tenant_at` ON `audit_log` (`tenant_id`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_action` ON `audit_log` (`tenant_id`,`action`,`at`,`id`);--> statement-breakpoint
CREATE INDEX `audit_tenant_user` ON `audit_log` (`tenant_id`,`user_id`,`at`,`id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`email` text,
	`roles` text NOT NULL,
	`created_at` integer NOT NULL,
	`deleted_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `users_tenant` ON `users` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `users_email` ON `users` (`tenant_id`,`email`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `user_id` text REFERENCES users(id);--> statement-breakpoint
CREATE INDEX `api_keys_user` ON `api_keys` (`user_id`);--> statement-breakpoint
ALTER TABLE `approvals` ADD `approvers` text;--> statement-breakpoint
ALTER TABLE `approvals` ADD `reject_if` text;--> statement-breakpoint
-- Each key made before users existed becomes a user of its own (docs/PEOPLE.md), named as the
-- key, its roles read from the key's scopes; a key with `run` also gets the new `edit` scope
-- (changing workflows was part of `run`).
INSERT INTO `users` (`id`, `tenant_id`, `name`, `email`, `roles`, `created_at`, `deleted_at`)
SELECT 'usr_' || k.`id`, k.`tenant_id`, k.`name`, NULL,
	CASE WHEN EXISTS (SELECT 1 FROM json_each(k.`scopes`) WHERE value = 'admin') THEN '["admin"]'
	ELSE (SELECT json_group_array(r.role) FROM (
		SELECT 'viewer' AS role
		UNION ALL SELECT 'operator' WHERE EXISTS (SELECT 1 FROM json_each(k.`scopes`) WHERE value = 'run')
		UNION ALL SELECT 'editor' WHERE EXISTS (SELECT 1 FROM json_each(k.`scopes`) WHERE value = 'run')
		UNION ALL SELECT 'approver' WHERE EXISTS (SELECT 1 FROM json_each(k.`scopes`) WHERE value = 'approve')
	) AS r) END,
	k.`created_at`, k.`revoked_at`
FROM `api_keys` AS k;
--> statement-breakpoint
UPDATE `api_keys` SET `user_id` = 'usr_' || `id`;
--> statement-breakpoint
UPDATE `api_keys` SET `scopes` = json_insert(`scopes`, '$[#]', 'edit')
WHERE EXISTS (SELECT 1 FROM json_each(`api_keys`.`scopes`) WHERE value = 'run')
	AND NOT EXISTS (SELECT 1 FROM json_each(`api_keys`.`scopes`) WHERE value = 'edit');
