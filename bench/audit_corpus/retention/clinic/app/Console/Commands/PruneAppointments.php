<?php

namespace App\Console\Commands;

use App\Models\Appointment;
use Illuminate\Console\Command;

class PruneAppointments extends Command
{
    protected $signature = 'appointments:prune';

    protected $description = 'Remove reminder phone numbers one year after the appointment';

    public function handle(): int
    {
        Appointment::where('starts_at', '<', now()->subYear())->update(['reminder_phone' => null]);
        return self::SUCCESS;
    }
}
