<?php

namespace App\Console;

use Illuminate\Console\Scheduling\Schedule;
use Illuminate\Foundation\Console\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    protected function schedule(Schedule $schedule): void
    {
        $schedule->command('appointments:prune')->dailyAt('02:30');
        $schedule->command('reminders:send')->everyFifteenMinutes();
    }
}
