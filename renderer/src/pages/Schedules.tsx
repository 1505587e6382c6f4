// Moved to renderer/src/schedules/; kept so the shell's import path still works.
export { SchedulesPage } from '../schedules/SchedulesPage';
