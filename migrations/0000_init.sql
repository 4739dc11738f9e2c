CREATE TABLE `images` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`status` text NOT NULL,
	`original_key` text NOT NULL,
	`content_type` text NOT NULL,
	`format` text NOT NULL,
	`bytes` integer NOT NULL,
	`width` integer NOT NULL,
	`height` integer NOT NULL,
	`frames` integer DEFAULT 1 NOT NULL,
	`sha256` text NOT NULL,
	`variants` text DEFAULT '[]' NOT NULL,
	`delete_token_hash` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `images_seq_unique` ON `images` (`seq`);--> statement-breakpoint
CREATE INDEX `images_status_updated` ON `images` (`status`,`updated_at`);