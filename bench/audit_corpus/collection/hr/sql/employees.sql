-- People system, MySQL 8.
CREATE TABLE `employees` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `employee_number` varchar(12) NOT NULL,
  `first_name` varchar(80) NOT NULL,
  `last_name` varchar(80) NOT NULL,
  `work_email` varchar(254) NOT NULL,
  `personal_email` varchar(254) DEFAULT NULL,
  `mobile` varchar(20) DEFAULT NULL,
  `home_address` varchar(400) DEFAULT NULL,
  `date_of_birth` date NOT NULL,
  `ni_number` char(9) DEFAULT NULL COMMENT 'UK National Insurance number',
  `department_id` int unsigned NOT NULL,
  `manager_id` int unsigned DEFAULT NULL,
  `job_title` varchar(120) NOT NULL,
  `start_date` date NOT NULL,
  `emergency_contact_name` varchar(120) DEFAULT NULL,
  `emergency_contact_phone` varchar(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `fk_employees_department` (`department_id`),
  CONSTRAINT `fk_employees_department` FOREIGN KEY (`department_id`) REFERENCES `departments` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE `payroll_details` (
  `employee_id` int unsigned NOT NULL,
  `iban` varchar(34) NOT NULL,
  `tax_code` varchar(10) NOT NULL,
  `salary_band` char(2) NOT NULL,
  PRIMARY KEY (`employee_id`)
) ENGINE=InnoDB;

CREATE TABLE `departments` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(80) NOT NULL,
  `cost_centre` varchar(10) NOT NULL,
  `description` text,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;

CREATE TABLE `absences` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `employee_id` int unsigned NOT NULL,
  `starts_on` date NOT NULL,
  `ends_on` date NOT NULL,
  `kind` enum('holiday','sick','parental','other') NOT NULL,
  `sick_note` text,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;

CREATE TABLE `offices` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(80) NOT NULL,
  `address` varchar(300) NOT NULL,
  `phone` varchar(20) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
