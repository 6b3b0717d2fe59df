CREATE TABLE `audit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`from_state` text,
	`to_state` text,
	`detail` text,
	`command_text` text,
	`at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `audit_events_release_idx` ON `audit_events` (`release_id`,`id`);--> statement-breakpoint
CREATE TABLE `devenvs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`owner` text NOT NULL,
	`overrides` text NOT NULL,
	`state` text NOT NULL,
	`expires_at` integer NOT NULL,
	`warned_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `devenvs_name_unique` ON `devenvs` (`name`);--> statement-breakpoint
CREATE INDEX `devenvs_owner_idx` ON `devenvs` (`owner`);--> statement-breakpoint
CREATE TABLE `freeze_exceptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`issue_key` text NOT NULL,
	`service` text NOT NULL,
	`reason` text NOT NULL,
	`requested_by` text NOT NULL,
	`state` text NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	`message_channel` text,
	`message_ts` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `freeze_exceptions_lookup_idx` ON `freeze_exceptions` (`release_id`,`issue_key`,`service`);--> statement-breakpoint
CREATE TABLE `gate_checks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer,
	`service` text NOT NULL,
	`environment` text NOT NULL,
	`issues` text NOT NULL,
	`commit_sha` text,
	`pipeline_url` text,
	`allowed` integer NOT NULL,
	`reason` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `releases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`version` text NOT NULL,
	`version_key` text NOT NULL,
	`state` text NOT NULL,
	`freeze_date` text,
	`ship_date` text,
	`revision` integer DEFAULT 1 NOT NULL,
	`required_roles` text,
	`announcement_channel` text,
	`announcement_ts` text,
	`jira_sync` text,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `releases_version_key_unique` ON `releases` (`version_key`);--> statement-breakpoint
CREATE TABLE `signoff_roles` (
	`name` text PRIMARY KEY NOT NULL,
	`members` text NOT NULL,
	`quorum` integer DEFAULT 1 NOT NULL,
	`updated_by` text NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `votes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`release_id` integer NOT NULL,
	`revision` integer NOT NULL,
	`voter` text NOT NULL,
	`decision` text NOT NULL,
	`reason` text,
	`roles` text NOT NULL,
	`at` integer NOT NULL,
	FOREIGN KEY (`release_id`) REFERENCES `releases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `votes_one_per_voter_revision` ON `votes` (`release_id`,`revision`,`voter`);