@echo off
rem Drop-in replacement for the MID Server's agent\bin\scripts\manage-certificates.bat: same argv,
rem no JVM. Runs manage-certificates.exe from this script's folder. The agent folder is the
rem current folder when it has config.xml, else this script's ..\.. (agent\bin\scripts\..\..), so
rem installers may call it by full path from anywhere. The exit code is the .exe's.
setlocal DisableDelayedExpansion
set "MIDKS_HERE=%~dp0"
if not exist "%MIDKS_HERE%manage-certificates.exe" goto missing
if exist "config.xml" goto here
if not exist "%MIDKS_HERE%..\..\config.xml" goto here
for %%I in ("%MIDKS_HERE%..\..") do set "MIDKS_AGENT=%%~fI"
rem A later --agent-dir on the command line still wins.
"%MIDKS_HERE%manage-certificates.exe" --agent-dir "%MIDKS_AGENT%" %*
exit /b %ERRORLEVEL%
:here
"%MIDKS_HERE%manage-certificates.exe" %*
exit /b %ERRORLEVEL%
:missing
echo manage-certificates.bat: manage-certificates.exe was not found beside this script in %MIDKS_HERE% 1>&2
exit /b 4
