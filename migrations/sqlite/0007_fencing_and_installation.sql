CREATE TABLE `installation` (
	`id` integer PRIMARY KEY NOT NULL,
	`instance_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `leadership` (
	`id` integer PRIMARY KEY NOT NULL,
	`epoch` integer NOT NULL,
	`holder` text NOT NULL,
	`since` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `outbox` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `outbox` ADD `claim_epoch` integer;--> statement-breakpoint
ALTER TABLE `outbox` ADD `claimed_at` integer;--> statement-breakpoint
ALTER TABLE `outbox` ADD `claims` integer DEFAULT 0 NOT NULL;