ALTER TABLE `releases` DROP COLUMN `freeze_date`;--> statement-breakpoint
ALTER TABLE `releases` DROP COLUMN `ship_date`;