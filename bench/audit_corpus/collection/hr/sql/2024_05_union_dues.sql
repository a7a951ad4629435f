ALTER TABLE `payroll_details` ADD COLUMN `union_membership` varchar(40) DEFAULT NULL AFTER `salary_band`;
ALTER TABLE `payroll_details` ADD COLUMN `union_dues_pence` int DEFAULT NULL;
