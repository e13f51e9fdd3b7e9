"""OpenXR output: a small, explicit frame loop over pyopenxr.

Instance and system, the session state machine (IDLE → READY → SYNCHRONIZED → VISIBLE → FOCUSED,
and STOPPING, LOSS_PENDING, EXITING), one swapchain per view at the recommended size times
``render_scale``, per-eye views and poses from xrLocateViews at the predicted display time, and
the OpenGL binding XR_MNDX_egl_enable with pyglet's headless EGL context (no X server needed).

Whatever the runtime does — the session ends, the runtime dies or restarts, the headset is taken
off or missing — the output tears everything down to a clean state and, unless it was asked to
exit, reconnects later. ``frame()`` never raises for runtime trouble.

``headset_worn`` follows the session state: worn while the session is VISIBLE or FOCUSED, not
worn in any other state, without a session or without a headset. Where the runtime offers
XR_EXT_user_presence and the system senses presence, its events refine that (a VISIBLE session
with nobody in the headset is not worn).
"""

from __future__ import annotations

import ctypes
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from scenes.camera import (
    EyeView,
    projection_from_fovf,
    rotation_from_quaternion,
    view_from_pose,
)
from scenes.catalog import SceneSpec
from scenes.eye_height import DEFAULT_SOURCE, eye_height_from_floor, floor_space_choice
from scenes.params import SceneParams
from scenes.scene_output import SceneOutput

if TYPE_CHECKING:  # GL modules are imported once the headless context exists
    from scenes.eye_mirror import EyeMirror

log = logging.getLogger(__name__)

GL_SRGB8_ALPHA8 = 0x8C43
GL_RGBA8 = 0x8058
# Preferred swapchain formats: the shaders write sRGB-encoded colour, so an sRGB swapchain written
# without GL_FRAMEBUFFER_SRGB holds exactly the bytes the compositor expects.
SWAPCHAIN_FORMATS = (GL_SRGB8_ALPHA8, GL_RGBA8)
RECONNECT_INTERVAL_S = 2.0
SWAPCHAIN_WAIT_NS = 1_000_000_000


class Status:
    """Where the output stands (``XrOutput.status``)."""

    CONNECTING = "connecting"  # no instance yet: runtime absent, or a reconnect is due
    NO_HEADSET = "no_headset"  # instance made, but no head-mounted display available
    SESSION = "session"  # a session exists (see ``session_state`` for its OpenXR state)
    EXITED = "exited"  # the app asked to exit and the session reached EXITING


# What the app does when the session enters a state (the OpenXR lifecycle, in one table).
LIFECYCLE_ACTIONS = {
    "IDLE": "wait",
    "READY": "begin_session",
    "SYNCHRONIZED": "run_frames",
    "VISIBLE": "run_frames",
    "FOCUSED": "run_frames",
    "STOPPING": "end_session",
    "LOSS_PENDING": "destroy_and_reconnect",
    "EXITING": "destroy",
}


# Session states in which the runtime shows our frames to the user: the headset is on.
WORN_STATES = ("VISIBLE", "FOCUSED")
USER_PRESENCE = "XR_EXT_user_presence"
LOCAL_FLOOR = "XR_EXT_local_floor"


def worn(status: str, state_name: str, user_present: bool | None) -> bool:
    """Whether the headset is worn: a session shown to the user (``WORN_STATES``), and, when the
    runtime reports user presence (``user_present`` not None), the user present."""
    return status == Status.SESSION and state_name in WORN_STATES and user_present is not False


def lifecycle_action(state_name: str) -> str:
    """The action for a session state name (``LIFECYCLE_ACTIONS``); unknown states wait."""
    return LIFECYCLE_ACTIONS.get(state_name, "wait")


@dataclass
class _Swapchain:
    handle: object
    width: int
    height: int
    images: object  # ctypes array of XrSwapchainImageOpenGLKHR


class XrOutput(SceneOutput):
    """Renders a scene to an OpenXR headset; ``frame()`` runs one turn of the loop."""

    def __init__(
        self,
        spec: SceneSpec,
        params: SceneParams | None = None,
        panel_language: str | None = None,
        audio: bool = False,
        fade_s: float = 0.0,
        render_scale: float = 1.0,
        reconnect: bool = True,
    ):
        from scenes.headless import create_context

        self.window = create_context()
        self.window.switch_to()
        from scenes.player import ScenePlayer

        self.player = ScenePlayer(spec, params, panel_language, audio, window=self.window, fade_s=fade_s)
        self.render_scale = render_scale
        self.reconnect = reconnect
        self.status = Status.CONNECTING
        self.session_state_name = "NONE"
        self.states_seen: list[str] = []
        self.frames_submitted = 0
        self.system_name = ""
        self.capture_next = False
        self.user_present: bool | None = None  # from XR_EXT_user_presence, where the system senses it
        self.last_capture: list[np.ndarray] = []
        self.eye_height_source = DEFAULT_SOURCE  # where the player's eye height came from
        self.last_eyes: list[EyeView] = []  # the eyes of the last frame rendered
        self._exit_requested = False
        self._running = False
        self._next_attempt = 0.0
        self._last_time = time.monotonic()
        self._reset_handles()

    # ---- lifecycle -------------------------------------------------------------------------------

    def _reset_handles(self) -> None:
        self.instance = None
        self.system_id = None
        self.session = None
        self.space = None
        self.floor_space = None  # LOCAL_FLOOR or STAGE, to find the floor below LOCAL's origin
        self.floor_space_name: str | None = None
        self._floor_pending = False
        self.swapchains: list[_Swapchain] = []
        self._mirror: EyeMirror | None = None  # the left eye's submitted image, for the monitor
        self._binding = None
        self._fbo: ctypes.c_uint | None = None  # the framebuffer the eyes are drawn through
        self.user_present = None

    def _connect(self) -> None:
        """Create instance, system, session, space and swapchains (raises on failure)."""
        import xr
        from pyglet.libs.egl import egl

        available = {e.extension_name.decode() for e in xr.enumerate_instance_extension_properties()}
        wanted = ["XR_KHR_opengl_enable", "XR_MNDX_egl_enable"]
        missing = [e for e in wanted if e not in available]
        if missing:
            raise RuntimeError(f"OpenXR runtime lacks {', '.join(missing)}")
        wanted += [e for e in (USER_PRESENCE, LOCAL_FLOOR) if e in available]
        self.instance = xr.create_instance(
            xr.InstanceCreateInfo(
                application_info=xr.ApplicationInfo(
                    application_name="oasis", application_version=1, engine_name="oasis-scenes"
                ),
                enabled_extension_names=wanted,
            )
        )
        try:
            self.system_id = xr.get_system(
                self.instance, xr.SystemGetInfo(form_factor=xr.FormFactor.HEAD_MOUNTED_DISPLAY)
            )
        except xr.FormFactorUnavailableError:
            self.status = Status.NO_HEADSET
            raise
        props, senses_presence = self._system_properties(USER_PRESENCE in wanted)
        self.system_name = props.system_name.decode(errors="replace")
        log.info(
            "OpenXR system %s; user presence %s",
            self.system_name,
            "sensed" if senses_presence else "not sensed",
        )
        # The runtime must be asked for its OpenGL requirements before a session is created.
        requirements_fn = ctypes.cast(
            xr.get_instance_proc_addr(self.instance, "xrGetOpenGLGraphicsRequirementsKHR"),
            xr.PFN_xrGetOpenGLGraphicsRequirementsKHR,
        )
        requirements = xr.GraphicsRequirementsOpenGLKHR()
        code = requirements_fn(self.instance, self.system_id, ctypes.byref(requirements))
        result = xr.check_result(xr.Result(code))
        if result.is_exception():
            raise result
        context = self.window.context
        self.window.switch_to()
        binding = xr.GraphicsBindingEGLMNDX()
        # pyglet keeps its EGL handles as plain integers; pyopenxr wants its own pointer types.
        field_types = dict(xr.GraphicsBindingEGLMNDX._fields_)
        for field, handle in (
            ("display", context.display_connection),
            ("config", context.config._egl_config),
            ("context", context.egl_context),
        ):
            setattr(binding, field, ctypes.cast(ctypes.c_void_p(handle), field_types[field]))
        binding.get_proc_address = ctypes.cast(egl.eglGetProcAddress, xr.PFN_xrEglGetProcAddressMNDX)
        self._binding = binding  # kept alive for the session's lifetime
        self.session = xr.create_session(
            self.instance,
            xr.SessionCreateInfo(
                next=ctypes.cast(ctypes.pointer(binding), ctypes.c_void_p), system_id=self.system_id
            ),
        )
        self.space = xr.create_reference_space(
            self.session,
            xr.ReferenceSpaceCreateInfo(
                reference_space_type=xr.ReferenceSpaceType.LOCAL,
                pose_in_reference_space=xr.Posef(),
            ),
        )
        self._create_floor_space()
        self._create_swapchains()
        self.status = Status.SESSION
        self.session_state_name = "IDLE"
        log.info("OpenXR session created on %s", self.system_name)

    def _create_floor_space(self) -> None:
        """A LOCAL_FLOOR or STAGE space where the runtime has one; its height is read at a frame."""
        import xr

        available = {xr.ReferenceSpaceType(t).name for t in xr.enumerate_reference_spaces(self.session)}
        name = floor_space_choice(available)
        if name is None:
            log.info(
                "OpenXR: no floor-based reference space; seated eye height %.2f m", self.player.eye_height
            )
            return
        self.floor_space = xr.create_reference_space(
            self.session,
            xr.ReferenceSpaceCreateInfo(
                reference_space_type=xr.ReferenceSpaceType[name], pose_in_reference_space=xr.Posef()
            ),
        )
        self.floor_space_name, self._floor_pending = name, True

    def _locate_floor(self, display_time) -> None:
        """Set the player's eye height from where LOCAL's origin (the head at the start) is in the
        floor space; the seated default when it is not tracked or not plausible."""
        import xr

        self._floor_pending = False
        height = None
        location = xr.locate_space(self.space, self.floor_space, display_time)
        if location.location_flags & xr.SPACE_LOCATION_POSITION_VALID_BIT:
            height = location.pose.position.y
        eye_height, self.eye_height_source = eye_height_from_floor(height, self.floor_space_name or "")
        self.player.eye_height = eye_height
        log.info(
            "OpenXR eye height %.2f m (%s; the runtime said %s)",
            eye_height,
            self.eye_height_source,
            "nothing" if height is None else f"{height:.2f} m",
        )

    def _system_properties(self, ask_presence: bool):
        """xrGetSystemProperties, chained with XrSystemUserPresencePropertiesEXT when asked;
        returns (properties, whether the system senses user presence)."""
        import xr

        if not ask_presence:
            return xr.get_system_properties(self.instance, self.system_id), False
        presence = xr.SystemUserPresencePropertiesEXT()
        props = xr.SystemProperties(next=ctypes.cast(ctypes.pointer(presence), ctypes.c_void_p))
        result = xr.check_result(
            xr.raw_functions.xrGetSystemProperties(self.instance, self.system_id, ctypes.byref(props))
        )
        if result.is_exception():
            raise result
        return props, bool(presence.supports_user_presence)

    @property
    def headset_worn(self) -> bool:
        return worn(self.status, self.session_state_name, self.user_present)

    def _create_swapchains(self) -> None:
        import xr
        from pyglet import gl

        formats = list(xr.enumerate_swapchain_formats(self.session))
        fmt = next((f for f in SWAPCHAIN_FORMATS if f in formats), None)
        if fmt is None:
            raise RuntimeError(f"no usable swapchain format among {formats}")
        views = xr.enumerate_view_configuration_views(
            self.instance, self.system_id, xr.ViewConfigurationType.PRIMARY_STEREO
        )
        usage = xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT | xr.SwapchainUsageFlags.SAMPLED_BIT
        for view in views:
            width = max(
                16, min(int(view.recommended_image_rect_width * self.render_scale), view.max_image_rect_width)
            )
            height = max(
                16,
                min(int(view.recommended_image_rect_height * self.render_scale), view.max_image_rect_height),
            )
            handle = xr.create_swapchain(
                self.session,
                xr.SwapchainCreateInfo(
                    usage_flags=usage,
                    format=fmt,
                    sample_count=1,
                    width=width,
                    height=height,
                    face_count=1,
                    array_size=1,
                    mip_count=1,
                ),
            )
            images = xr.enumerate_swapchain_images(handle, xr.SwapchainImageOpenGLKHR)
            self.swapchains.append(_Swapchain(handle, width, height, images))
        from scenes.eye_mirror import EyeMirror

        self._mirror = EyeMirror(self.swapchains[0].width, self.swapchains[0].height, fmt)
        fbo = gl.GLuint()
        gl.glGenFramebuffers(1, ctypes.byref(fbo))
        self._fbo = fbo

    def _teardown(self) -> None:
        """Destroy every OpenXR handle we hold, ignoring errors (the runtime may be gone)."""
        import xr
        from pyglet import gl

        self.window.switch_to()
        if self._fbo is not None:
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
            gl.glDeleteFramebuffers(1, ctypes.byref(self._fbo))
        if self._mirror is not None:
            self._mirror.delete()
        steps = [(xr.destroy_swapchain, s.handle) for s in self.swapchains]
        steps += [
            (xr.destroy_space, self.floor_space),
            (xr.destroy_space, self.space),
            (xr.destroy_session, self.session),
            (xr.destroy_instance, self.instance),
        ]
        for destroy, handle in steps:
            if handle is None:
                continue
            try:
                destroy(handle)
            except Exception as exc:  # a lost runtime fails every call; we only want a clean slate
                log.debug("ignoring %s during teardown: %s", destroy.__name__, exc)
        self._reset_handles()
        self._running = False

    def _lost(self, reason: str) -> None:
        log.warning("OpenXR: %s; returning to a clean state", reason)
        self._teardown()
        self.status = Status.CONNECTING
        self.session_state_name = "NONE"
        self._next_attempt = time.monotonic() + RECONNECT_INTERVAL_S

    # ---- events ----------------------------------------------------------------------------------

    def _poll_events(self) -> None:
        import xr

        while self.instance is not None:
            try:
                event = xr.poll_event(self.instance)
            except xr.EventUnavailable:
                return
            kind = xr.StructureType(event.type)
            if kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                self._lost("instance loss pending (runtime restarting)")
                return
            if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                pointer = ctypes.POINTER(xr.EventDataSessionStateChanged)
                changed = ctypes.cast(ctypes.byref(event), pointer).contents
                self._on_state(xr.SessionState(changed.state).name)
                if self.instance is None:
                    return
            elif kind == xr.StructureType.EVENT_DATA_REFERENCE_SPACE_CHANGE_PENDING:
                self._floor_pending = self.floor_space is not None  # the floor was set up anew
            elif kind == xr.StructureType.EVENT_DATA_USER_PRESENCE_CHANGED_EXT:
                pointer = ctypes.POINTER(xr.EventDataUserPresenceChangedEXT)
                self.user_present = bool(ctypes.cast(ctypes.byref(event), pointer).contents.is_user_present)
                log.info("OpenXR user %s", "present" if self.user_present else "absent")

    def _on_state(self, name: str) -> None:
        import xr

        self.session_state_name = name
        self.states_seen.append(name)
        log.info("OpenXR session state %s", name)
        action = lifecycle_action(name)
        if action == "begin_session":
            xr.begin_session(
                self.session,
                xr.SessionBeginInfo(primary_view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO),
            )
            self._running = True
        elif action == "end_session":
            xr.end_session(self.session)
            self._running = False
        elif action == "destroy_and_reconnect":
            self._lost("session loss pending")
        elif action == "destroy":
            self._teardown()
            if self._exit_requested or not self.reconnect:
                self.status = Status.EXITED
            else:  # the runtime ended the session (e.g. the user quit it): offer a new one later
                self.status = Status.CONNECTING
                self._next_attempt = time.monotonic() + RECONNECT_INTERVAL_S

    # ---- frames ----------------------------------------------------------------------------------

    def request_exit(self) -> None:
        """Ask the runtime to end the session; it goes STOPPING → IDLE → EXITING, then exits."""
        import xr

        self._exit_requested = True
        if self.session is not None and self._running:
            try:
                xr.request_exit_session(self.session)
                return
            except Exception as exc:
                log.warning("request_exit_session failed: %s", exc)
        self._teardown()
        self.status = Status.EXITED

    def frame(self) -> bool:
        import xr

        if self.status == Status.EXITED:
            return False
        now = time.monotonic()
        try:
            if self.instance is None:
                if now < self._next_attempt or self._exit_requested:
                    time.sleep(0.01)
                    return not self._exit_requested
                try:
                    self._connect()
                except Exception as exc:  # the station must keep running whatever the runtime does
                    waiting = self.status == Status.NO_HEADSET
                    self._teardown()
                    self.status = Status.NO_HEADSET if waiting else Status.CONNECTING
                    log.info(
                        "OpenXR not available (%s: %s); retrying in %.0f s",
                        type(exc).__name__,
                        exc,
                        RECONNECT_INTERVAL_S,
                    )
                    self._next_attempt = now + RECONNECT_INTERVAL_S
                    return True
            self._poll_events()
            if self.status != Status.SESSION or not self._running:
                time.sleep(0.01)  # xrWaitFrame is not called: throttle
                return self.status != Status.EXITED
            self._run_frame()
        except xr.XrException as exc:
            self._lost(f"{type(exc).__name__}: {exc}")
        return self.status != Status.EXITED

    def _run_frame(self) -> None:
        import xr

        frame_state = xr.wait_frame(self.session)
        xr.begin_frame(self.session)
        now = time.monotonic()
        self.player.advance(min(now - self._last_time, 0.1), now)
        self._last_time = now
        layers = []
        if frame_state.should_render:
            layer = self._render_views(frame_state.predicted_display_time)
            if layer is not None:
                layers.append(ctypes.byref(layer))
        xr.end_frame(
            self.session,
            xr.FrameEndInfo(
                display_time=frame_state.predicted_display_time,
                environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
                layers=layers,
            ),
        )
        if layers:
            self.frames_submitted += 1

    def _render_views(self, display_time):
        import xr
        from pyglet import gl

        from scenes.renderer import read_rgb

        view_state, views = xr.locate_views(
            self.session,
            xr.ViewLocateInfo(
                view_configuration_type=xr.ViewConfigurationType.PRIMARY_STEREO,
                display_time=display_time,
                space=self.space,
            ),
        )
        valid = xr.VIEW_STATE_ORIENTATION_VALID_BIT | xr.VIEW_STATE_POSITION_VALID_BIT
        if view_state.view_state_flags & valid != valid:
            return None
        if self._floor_pending:
            self._locate_floor(display_time)
        lift = self.player.eye_height
        projection_views = (xr.CompositionLayerProjectionView * len(views))()
        capture = self.capture_next
        captured = []
        eyes = []
        self.window.switch_to()
        for i, view in enumerate(views):
            chain = self.swapchains[i]
            index = xr.acquire_swapchain_image(chain.handle, xr.SwapchainImageAcquireInfo())
            xr.wait_swapchain_image(chain.handle, xr.SwapchainImageWaitInfo(timeout=SWAPCHAIN_WAIT_NS))
            o, p = view.pose.orientation, view.pose.position
            rotation = rotation_from_quaternion(o.x, o.y, o.z, o.w)
            position = np.array([p.x, p.y + lift, p.z])
            eye = EyeView(view_from_pose(rotation, position), projection_from_fovf(view.fov), position)
            eyes.append(eye)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, self._fbo)
            gl.glFramebufferTexture2D(
                gl.GL_FRAMEBUFFER, gl.GL_COLOR_ATTACHMENT0, gl.GL_TEXTURE_2D, chain.images[index].image, 0
            )
            self.player.render_eye(eye, (0, 0, chain.width, chain.height))
            if capture:
                captured.append(read_rgb(self._fbo.value, chain.width, chain.height))
            if i == 0 and self._mirror is not None:
                self._mirror.copy_from(self._fbo.value)
            gl.glBindFramebuffer(gl.GL_FRAMEBUFFER, 0)
            xr.release_swapchain_image(chain.handle, xr.SwapchainImageReleaseInfo())
            pv = projection_views[i]
            pv.type = xr.StructureType.COMPOSITION_LAYER_PROJECTION_VIEW
            pv.pose, pv.fov = view.pose, view.fov
            pv.sub_image.swapchain = chain.handle
            pv.sub_image.image_rect.offset.x = pv.sub_image.image_rect.offset.y = 0
            extent = pv.sub_image.image_rect.extent
            extent.width, extent.height = chain.width, chain.height
        if capture:
            self.last_capture, self.capture_next = captured, False
        self.last_eyes = eyes
        self._layer = xr.CompositionLayerProjection(space=self.space, views=projection_views)
        return self._layer

    def snapshot(self) -> np.ndarray | None:
        """Both eyes of the last captured frame side by side (set ``capture_next`` first)."""
        if not self.last_capture:
            return None
        height = min(img.shape[0] for img in self.last_capture)
        return np.concatenate([img[:height] for img in self.last_capture], axis=1)

    def mirror(self) -> np.ndarray | None:
        """The image last submitted for the left eye, exactly (None before the first frame or
        without a session)."""
        if self._mirror is None or self._mirror.copies == 0:
            return None
        self.window.switch_to()
        return self._mirror.read()

    def close(self) -> None:
        if self.status == Status.SESSION and self._running:
            self.request_exit()
            deadline = time.monotonic() + 5.0
            while self.status != Status.EXITED and time.monotonic() < deadline:
                self.frame()
        self._teardown()
        self.status = Status.EXITED
        self.window.switch_to()
        self.player.close()
